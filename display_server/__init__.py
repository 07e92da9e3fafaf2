"""The display server: live queue progress for waiting-room screens and patients' phones."""
