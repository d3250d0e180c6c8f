"""What both roles share on the web side: language, rendering, errors, security headers."""
