"""E-mail notifications: a durable outbox written with each event, sent by a worker.

Other code queues a mail with `queue_mail(session, to=..., kind=..., subject=...,
text=..., html=..., dedup_key=...)` in the event's transaction (`compose` builds the French
text and HTML); `service.mail.notify` holds the request lifecycle's mails.
"""

from service.mail.compose import Mail, Quote, compose
from service.mail.outbox import MailConfig, mail_config, queue_mail

__all__ = ["Mail", "MailConfig", "Quote", "compose", "mail_config", "queue_mail"]
