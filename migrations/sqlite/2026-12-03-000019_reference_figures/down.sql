DROP TABLE reference_figures;
