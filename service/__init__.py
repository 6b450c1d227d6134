"""Passerelle's web service: the Litestar app, its storage, accounts and domains.

The app is assembled in `service.app.create_app`; settings come from `service.settings`.
"""

__all__: list[str] = []
