"""The web console: operators and administrators sign in and work through the three services' APIs."""
