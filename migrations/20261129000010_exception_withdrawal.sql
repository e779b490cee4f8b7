-- Time off and extra hours can be withdrawn (never deleted): who did it is kept beside when.
ALTER TABLE availability_exceptions ADD COLUMN withdrawn_by uuid REFERENCES users (id);
ALTER TABLE availability_exceptions ADD CONSTRAINT availability_exceptions_withdrawn_check
  CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL));
