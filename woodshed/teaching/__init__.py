"""Teaching: a teacher's studio — invitations by code, the links they make, the students."""
