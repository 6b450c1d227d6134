"""Sign-in, sign-out, first sign-in with an invitation, and the home page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from service.accounts.emails import fold_email
from service.accounts.password_rules import password_problem
from service.accounts.passwords import verify_password
from service.accounts.principal import Principal
from service.accounts.services import accept_invitation, find_account, revoke_token
from service.accounts.sessions import clear_session_cookie, open_session, set_session_cookie
from service.accounts.throttle import SignInThrottle, TooManyAttemptsError
from service.db.models import utcnow
from service.dependencies import AppSettings, DbSession
from service.errors import AuthenticationError, InvalidInputError
from service.pages.layout import read_form, redirect, render, text

HOME_OF_ROLE = {
    "member": "/profil",
    "coach": "/accompagnement",
    "trainer": "/formation/demande",
    "animator": "/animation/tableau-de-bord",
}


def _safe_target(value: str, role: str) -> str:
    """A local path to go to after signing in (never another site)."""
    printable = all(char.isprintable() and not char.isspace() for char in value)
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and printable:
        return value
    return HOME_OF_ROLE.get(role, "/profil")


@get("/", name="pages:home", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    """The signed-in person's home page, or the sign-in page."""
    user = request.user
    if isinstance(user, Principal):
        return redirect(HOME_OF_ROLE.get(user.role, "/profil"))
    return redirect("/connexion")


@get("/connexion", name="pages:sign-in", include_in_schema=False)
async def sign_in_form(request: Request[Any, Any, Any], suivant: FromQuery[str] = "") -> Template:
    """The sign-in form."""
    return render(request, "auth/sign_in.html", values={"suivant": suivant})


@post("/connexion", include_in_schema=False)
async def sign_in(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
) -> Response[Any]:
    """Check the password, open a session (cookie) and go on."""
    form = await read_form(request)
    email, password = text(form, "email"), form.get("password") or ""
    values = {"email": email, "suivant": text(form, "suivant")}
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Saisissez votre adresse e-mail."
    if not password:
        errors["password"] = "Saisissez votre mot de passe."
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    address = request.client.host if request.client else "unknown"
    key = fold_email(email)
    try:
        throttle.check(key, address)
    except TooManyAttemptsError as exc:
        errors["_"] = exc.detail
        return render(request, "auth/sign_in.html", status_code=429, errors=errors, values=values)
    account = await find_account(db_session, email) if email else None
    if not errors:
        valid = verify_password(account.password_hash if account else None, str(password))
        if account is None or not valid or not account.is_active:
            errors["_"] = "Adresse e-mail ou mot de passe incorrect."
            throttle.failed(key, address)
    if errors or account is None:
        return render(request, "auth/sign_in.html", status_code=400, errors=errors, values=values)
    throttle.succeeded(key, address)
    token = await open_session(db_session, account.id)
    account.last_login_at = utcnow()
    await db_session.commit()
    response = redirect(_safe_target(values["suivant"], account.role))
    set_session_cookie(response, token, settings)
    return response


@post("/deconnexion", include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Revoke the session server-side and forget the cookie."""
    if isinstance(request.user, Principal):
        await revoke_token(db_session, request.user)
        await db_session.commit()
    response = redirect("/connexion", "deconnexion")
    clear_session_cookie(response)
    return response


@get("/premiere-connexion", include_in_schema=False)
async def first_login_form(request: Request[Any, Any, Any], jeton: FromQuery[str] = "") -> Template:
    """Choose a password with the invitation an animator sent."""
    return render(request, "auth/first_login.html", values={"jeton": jeton})


@post("/premiere-connexion", include_in_schema=False)
async def first_login(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
) -> Response[Any]:
    """Consume the invitation, set the password and sign in."""
    form = await read_form(request)
    token = text(form, "jeton")
    password, confirm = str(form.get("password") or ""), str(form.get("confirmation") or "")
    errors: dict[str, str] = {}
    if not token:
        errors["jeton"] = "Collez le code d'invitation reçu par e-mail."
    problem = password_problem(password)
    if problem is not None:
        errors["password"] = problem
    elif password != confirm:
        errors["confirmation"] = "Les deux mots de passe ne sont pas identiques."
    if not errors:
        try:
            member = await accept_invitation(db_session, token=token, password=password)
        except AuthenticationError:
            errors["jeton"] = "Cette invitation est inconnue, expirée ou déjà utilisée."
        except InvalidInputError as exc:  # the password repeats the person's own words
            await db_session.rollback()
            errors["password"] = exc.detail
        else:
            session_token = await open_session(db_session, member.account_id)
            await db_session.commit()
            response = redirect("/profil", "mot-de-passe")
            set_session_cookie(response, session_token, settings)
            return response
    return render(
        request, "auth/first_login.html", status_code=400, errors=errors, values={"jeton": token}
    )


AUTH_HANDLERS = [home, sign_in_form, sign_in, sign_out, first_login_form, first_login]
