-- Counts password changes of an account. A session records the count at sign-in and stops
-- working once it differs, so `consultant set-password` ends every session of the old password
-- (deleting session rows would not: a request in flight writes its session back).
ALTER TABLE consultants ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
