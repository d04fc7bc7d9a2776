DROP TABLE charities;
DROP TABLE charity_releases;
