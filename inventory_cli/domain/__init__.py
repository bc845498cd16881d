"""Domain: the tables and the rules that keep the attachment-set invariants."""
