-- A send reads the list a page at a time in address order (issue #22: WHERE email > last ORDER BY email LIMIT n), in
-- byte order (COLLATE "C") so the order is JavaScript's sort, as the files backend's, whatever the database's collation.
CREATE INDEX subscribers_by_address ON subscribers (email COLLATE "C");
