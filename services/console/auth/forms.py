"""Forms of the sign-in, the set-password page and user management (Flask-WTF: every form carries CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

REQUIRED = "Заполните это поле"
EMAIL = "Введите адрес почты, например ivanova@school.ru"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # as the registry checks it; internal domains (.local) too


class RussianForm(FlaskForm):
    """WTForms' own messages in Russian (no Flask-Babel here)."""

    class Meta:
        locales = ("ru_RU", "ru")


class SignInForm(RussianForm):
    email = EmailField("Адрес электронной почты", validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField("Пароль", validators=[DataRequired(REQUIRED), Length(max=200)])
    next = HiddenField()


class SetPasswordForm(RussianForm):
    password = PasswordField("Новый пароль", validators=[DataRequired(REQUIRED), Length(max=200)])
    confirm = PasswordField("Повторите пароль", validators=[DataRequired(REQUIRED),
                                                             EqualTo("password", "Пароли не совпадают")])


class InviteForm(RussianForm):
    email = EmailField("Адрес электронной почты", validators=[
        DataRequired(REQUIRED), Regexp(EMAIL_PATTERN, message=EMAIL), Length(max=254)])
    full_name = StringField("ФИО", validators=[DataRequired(REQUIRED), Length(2, 300, "От 2 до 300 символов")])
    role = SelectField("Роль", validators=[DataRequired(REQUIRED)])
    scope = SelectField("Область ответственности", validate_choice=False)


class ActionForm(RussianForm):
    """A button that changes something: only the CSRF token."""
