"""What administrators keep up, and the log of every change they make."""
