-- Published benchmarks a report is read against: each with its source,
-- period, measure and the definition of "local" it used (which is rarely
-- the report's own), and for a collection of bodies their spend and local
-- spend, so its pooled share and the mean of its shares can be shown.
-- Shipped with the figures in docs/domain.md; admins edit them.
-- Keep in step with migrations/postgres/2026-12-03-000019_reference_figures/up.sql.

CREATE TABLE reference_figures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    collection TEXT NOT NULL,
    source TEXT NOT NULL,
    period TEXT NOT NULL,
    measure TEXT NOT NULL CHECK (measure IN ('local', 'wider', 'sme', 'local_sme')),
    share_bp BIGINT NOT NULL CHECK (share_bp BETWEEN 0 AND 10000),
    spend_pence BIGINT,
    local_pence BIGINT,
    definition TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

INSERT INTO reference_figures
    (label, collection, source, period, measure, share_bp, spend_pence, local_pence, definition, version, created_at, updated_at)
VALUES
    ('Bolton Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 4563, 6833028971, 3117955405, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Bury Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 2843, 3802637258, 1081075081, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Manchester City Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 7943, 23503174489, 18668758567, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Oldham Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 6860, 13359043730, 9164438153, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Rochdale Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 4378, 7079377584, 3099500150, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Salford Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 6273, 14390924895, 9027681300, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Stockport Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 6513, 12677176829, 8256309239, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Tameside Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 5068, 4511749341, 2286354801, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Trafford Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 3659, 4117148494, 1506279786, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Wigan Council', 'Greater Manchester councils, top 300 suppliers (CLES)', 'CLES benchmark of the ten Greater Manchester councils'' top 300 suppliers', 'as published', 'local', 5693, 10111581930, 5756870176, 'each council''s own boundary, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Average of 177 councils', 'Councils in England (FSB and CLES survey)', 'FSB and CLES survey of 177 local authorities (2013)', '2013', 'local', 3110, NULL, NULL, 'each council''s own boundary', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Average of 177 councils', 'Councils in England (FSB and CLES survey)', 'FSB and CLES survey of 177 local authorities (2013)', '2013', 'sme', 4700, NULL, NULL, 'SMEs anywhere (not only local ones)', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Preston, 2012/13', 'Preston''s anchor institutions (CLES)', 'CLES spend analysis of Preston''s anchor institutions', '2012/13', 'local', 500, NULL, NULL, 'Preston district', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Preston, 2016/17', 'Preston''s anchor institutions (CLES)', 'CLES spend analysis of Preston''s anchor institutions', '2016/17', 'local', 1820, NULL, NULL, 'Preston district', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Lancashire, 2012/13', 'Preston''s anchor institutions (CLES)', 'CLES spend analysis of Preston''s anchor institutions', '2012/13', 'wider', 3900, NULL, NULL, 'Lancashire (the county and its two unitary authorities)', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Lancashire, 2016/17', 'Preston''s anchor institutions (CLES)', 'CLES spend analysis of Preston''s anchor institutions', '2016/17', 'wider', 7920, NULL, NULL, 'Lancashire (the county and its two unitary authorities)', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Manchester City Council, 2008/09', 'Manchester City Council, top 300 suppliers (CLES)', 'CLES spend analysis of Manchester City Council''s top 300 suppliers', '2008/09', 'local', 5150, NULL, NULL, 'Manchester district, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00'),
    ('Manchester City Council, 2015/16', 'Manchester City Council, top 300 suppliers (CLES)', 'CLES spend analysis of Manchester City Council''s top 300 suppliers', '2015/16', 'local', 7360, NULL, NULL, 'Manchester district, top 300 suppliers only', 1, '2026-12-03 00:00:00', '2026-12-03 00:00:00');
