-- Patients are told when the practice cancels their appointment.
ALTER TABLE appointment_notices DROP CONSTRAINT appointment_notices_kind_check;
ALTER TABLE appointment_notices ADD CONSTRAINT appointment_notices_kind_check
  CHECK (kind IN ('booked', 'moved', 'repeats', 'cancelled', 'reminder'));
