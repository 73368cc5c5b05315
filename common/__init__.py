"""Code shared by every Python stage: the settings object."""
