DROP TABLE supplier_proposals;
