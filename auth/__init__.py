"""JWT verification, the Viewer, scopes and the directive enforcement."""
