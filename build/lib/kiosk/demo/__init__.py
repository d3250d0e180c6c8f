"""The demo catalog (real ward programs, demo sites and dates) and the synthetic benchmark catalog."""
