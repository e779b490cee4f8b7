-- How each person reads times and dates (their own setting; every page follows it).
ALTER TABLE users
  ADD COLUMN twelve_hour boolean NOT NULL DEFAULT false,
  ADD COLUMN month_first boolean NOT NULL DEFAULT false;
