DROP TABLE report_targets;
