"""Forms of the settings pages: beta opt-in, team, API tokens."""

from __future__ import annotations

from django import forms

from partners.models import Membership


class BetaOptInForm(forms.Form):
    """Opt in (after accepting the terms), opt every member in, or opt out."""

    OPT_IN = "opt_in"
    OPT_IN_EVERYONE = "opt_in_everyone"
    OPT_OUT = "opt_out"

    action = forms.ChoiceField(
        choices=[
            (OPT_IN, "Try beta"),
            (OPT_IN_EVERYONE, "Opt all users into beta"),
            (OPT_OUT, "Opt out"),
        ]
    )
    accept_terms = forms.BooleanField(label="I have read and accept the beta terms", required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("action") in (self.OPT_IN, self.OPT_IN_EVERYONE) and not data.get(
            "accept_terms"
        ):
            self.add_error("accept_terms", "Accept the beta terms to try this feature.")
        return data


class InvitationForm(forms.Form):
    """Invite an email to the team with a role."""

    # The email becomes the account's username, which Django caps at 150 characters.
    email = forms.EmailField(label="Email", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial="user")


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices)


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What the token is for, e.g. “CRM sync”.",
    )
