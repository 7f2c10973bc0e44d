"""What the control bot shows: texts built from the database, in the operator's language."""
