-- A page with no keys or pointer for a while says so: a person whose every open page is idle
-- counts as away (availability's automatic states), as one with no page open does.
ALTER TABLE presence ADD COLUMN idle_since timestamptz;
