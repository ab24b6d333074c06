"""The one form of an email address the site mails and keys subscribers by.

Comments accept any valid address, but mail goes only to addresses whose part before the
@ is ASCII (not every mail server takes others: SMTPUTF8), with the domain as the DNS
knows it (IDNA, so "ｅxample.com" and "EXAMPLE.com" are one domain) and lower-cased. So a
stranger's address written a dozen ways is still one subscriber, asked once a day.
"""

from email_validator import EmailNotValidError, validate_email

NOT_MAILABLE = (
    "We can only email addresses with plain letters, digits and .!#$%&'*+-/=?^_`{|}~ before"
    " the @. Use another address, or leave the box unticked."
)


def mailable(address: str | None) -> str | None:
    """The address as mail is sent to it and subscribers are stored, or None if we do not
    send to it."""
    if not address:
        return None
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.ascii_email.lower() if checked.ascii_email else None
