"""Sign-up forms: validated on the server, errors in the visitor's language, input normalised
(NFKC: full-width digits and spaces), names in any script, nothing typed lost on an error."""
import re
import unicodedata
import uuid

import jaconv
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from .. import boundary, vocab
from ..sync import contract

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KANA_RE = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\s]+$")


def nfkc(value):
    """Full-width digits, letters and spaces to their plain forms; runs of spaces to one."""
    if value is None:
        return value
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


def clean(value):
    """The form side of kiosk.boundary: control characters and lone surrogates are refused
    (WTForms shows a filter's ValueError next to its field), then NFKC as above."""
    if value is None:
        return value
    try:
        value = boundary.clean_text(value, multiline=True)
    except boundary.Refused:
        raise ValueError(_l("This contains characters that cannot be saved. Please delete "
                            "them and type it again.")) from None
    return nfkc(value)


def submission_id():
    return str(uuid.uuid4())


def normalise_phone(value):
    """'０９０ １２３４ ５６７８', '+81 90-1234-5678', '(03)1234-5678' -> digits, or None if not a
    Japanese phone number (10 digits, or 11 for mobile and IP phones, starting with 0)."""
    digits = re.sub(r"[\s\-‐‑–—−ー().]", "", nfkc(value or ""))
    if digits.startswith("+81"):
        digits = "0" + digits[3:]
    if re.fullmatch(r"0\d{9,10}", digits):
        return digits
    return None


def format_phone(digits):
    """Digits in the usual Japanese grouping: 090-1234-5678, 03-1234-5678, 042-123-4567."""
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if digits[:2] in ("03", "06"):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


class Fits:
    """At most ``max`` characters, said next to the field. Unlike WTForms' Length it puts no
    maxlength on the input: a browser would cut a long name off as it is typed, silently, and
    the visitor would never know what was saved. Here she sees all she typed and is asked to
    shorten it."""

    def __init__(self, max):
        self.max = max

    def __call__(self, form, field):
        if field.data and len(field.data) > self.max:
            raise ValidationError(_("Please shorten this to %(max)d characters.", max=self.max))


# Phone pads on a tablet: type=tel brings up the digits keyboard; no autofill on a shared screen.
PHONE_KW = {"inputmode": "tel", "autocomplete": "off"}


def _phone_valid(form, field):
    if field.data and normalise_phone(field.data) is None:
        raise ValidationError(_l("Please enter a phone number such as 090-1234-5678 or 03-1234-5678."))


def _email_valid(form, field):
    if field.data and not EMAIL_RE.match(field.data):
        raise ValidationError(_l("Please check the email address (for example: name@example.jp)."))


def _kana_valid(form, field):
    if field.data and not KANA_RE.match(field.data):
        raise ValidationError(_l("Please write the reading in hiragana or katakana."))


class PersonForm(FlaskForm):
    # One id per rendered form: posting the same form twice finds the first sign-up.
    submission = HiddenField(default=submission_id)
    name = StringField(_l("Your name"), filters=[clean], validators=[
        DataRequired(message=_l("Please enter your name.")),
        Fits(100)])
    name_kana = StringField(_l("Reading of your name (kana)"), filters=[clean],
                            validators=[Optional(), Fits(100), _kana_valid])
    phone = TelField(_l("Phone number"), filters=[clean], validators=[Optional(), _phone_valid],
                     render_kw=PHONE_KW)
    email = StringField(_l("Email address"), filters=[clean], validators=[
        Optional(), Fits(contract.PERSON_FIELDS["email"]), _email_valid])
    consent = BooleanField(_l("I have read the notice on personal information and agree."),
                           validators=[DataRequired(message=_l("Please agree to the notice to sign up."))])

    contact_required = True

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.contact_required and not (self.phone.data or self.email.data):
            self.phone.errors = list(self.phone.errors) + [
                _l("Please enter a phone number or an email address so the ward can contact you.")]
            ok = False
        return ok

    def submission_id(self):
        """The form's one-time id, if it is one we could have issued."""
        value = self.submission.data
        return value if isinstance(value, str) and contract.UUID_RE.fullmatch(value) else None

    def person(self):
        """The cleaned personal fields to store."""
        phone = normalise_phone(self.phone.data) if self.phone.data else None
        kana = jaconv.hira2kata(self.name_kana.data) if self.name_kana.data else None
        out = {"name": self.name.data, "name_kana": kana,
               "phone": format_phone(phone) if phone else None, "email": self.email.data or None}
        for extra in ("age_band", "preferred_language", "preferred_time", "note"):
            field = getattr(self, extra, None)
            if field is not None:
                out[extra] = (field.data or None) if not isinstance(field.data, str) else (clean(field.data) or None)
        return out


def _choices(mapping, blank=None):
    items = [(k, v) for k, v in mapping.items() if k]
    return ([("", blank)] if blank else []) + items


class EventSignupForm(PersonForm):
    age_band = SelectField(_l("Age"), validate_choice=False)

    def __init__(self, *args, age_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.age_band.choices = _choices(vocab.AGE_BANDS, _l("Choose"))
        self.age_required = age_required

    def validate_age_band(self, field):
        if self.age_required and not field.data:
            raise ValidationError(_l("Please choose your age group."))
        if field.data and field.data not in vocab.AGE_BANDS:
            raise ValidationError(_l("Please choose your age group."))


PARTY_MAX = 10


class PartyMixin:
    """How many people are coming (children's cafés and cafeterias): all count against the seats."""

    def party(self):
        return {"adults": int(self.adults.data), "children": int(self.children.data)}


class PartySignupForm(EventSignupForm, PartyMixin):
    adults = SelectField(_l("Adults (including you)"), default="1", validate_choice=False)
    children = SelectField(_l("Children"), default="0", validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.adults.choices = [(str(n), str(n)) for n in range(1, PARTY_MAX + 1)]
        self.children.choices = [(str(n), str(n)) for n in range(0, PARTY_MAX + 1)]

    def validate_adults(self, field):
        if field.data not in {str(n) for n in range(1, PARTY_MAX + 1)}:
            raise ValidationError(_l("Please choose how many adults are coming."))

    def validate_children(self, field):
        if field.data not in {str(n) for n in range(0, PARTY_MAX + 1)}:
            raise ValidationError(_l("Please choose how many children are coming."))


class VolunteerForm(EventSignupForm):
    note = TextAreaField(_l("What would you like to help with?"), filters=[clean],
                         validators=[Optional(), Fits(500)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, age_required=True, **kwargs)


class CallbackForm(PersonForm):
    preferred_language = SelectField(_l("Language for the call"), validate_choice=False)
    preferred_time = SelectField(_l("Best time to call"), validate_choice=False)
    note = TextAreaField(_l("What would you like to talk about?"), filters=[clean],
                         validators=[Optional(), Fits(500)])

    def __init__(self, *args, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.preferred_language.choices = [(code, name) for code, name in languages]
        self.preferred_time.choices = _choices(vocab.CALL_TIMES)

    def validate_preferred_language(self, field):
        if field.data not in dict(self.preferred_language.choices):
            raise ValidationError(_l("Please choose a language."))

    def validate_preferred_time(self, field):
        if field.data not in vocab.CALL_TIMES:
            raise ValidationError(_l("Please choose a time."))

    contact_required = False   # a phone number is, below: the desk calls back

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.phone.data:
            # Optional() ends the field's own checks when it is empty, so this is said here.
            self.phone.errors = list(self.phone.errors) + [
                _l("Please enter a phone number so the desk can call you back.")]
            ok = False
        return ok
