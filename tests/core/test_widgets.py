from django import forms
from django.test import SimpleTestCase

from core.widgets import Select

CHOICES = [("", "---"), ("CA", "Canada (CA)"), ("FR", 'France <"F">'), (7, "Seven")]
GROUPED = [("North", [("CA", "Canada"), ("US", "United States")]), ("EU", [("FR", "France")])]


class SelectMarkupTests(SimpleTestCase):
    """The Python-built select is the markup Django's own templates give."""

    def check(self, choices, value, attrs):
        ours = Select(choices=choices).render("market", value, attrs=attrs)
        django = forms.Select(choices=choices).render("market", value, attrs=attrs)
        self.assertHTMLEqual(ours, django)
        return ours

    def test_selected_option_attributes_and_escaping(self):
        html = self.check(CHOICES, "FR", {"id": "id_market", "required": True, "class": "a b"})
        self.assertIn('<option value="FR" selected>France &lt;&quot;F&quot;&gt;</option>', html)
        self.assertNotIn('<"F">', html)

    def test_nothing_selected_and_numeric_values(self):
        self.check(CHOICES, None, {})
        html = self.check(CHOICES, 7, {"disabled": True, "hidden": False})
        self.assertIn('value="7" selected', html)
        self.assertNotIn("hidden", html)

    def test_optgroups(self):
        html = self.check(GROUPED, "US", {"id": "x"})
        self.assertIn('<optgroup label="North">', html)

    def test_bound_form_keeps_the_submitted_value(self):
        class Form(forms.Form):
            market = forms.ChoiceField(choices=CHOICES[1:], widget=Select)

        form = Form({"market": "CA"})
        self.assertTrue(form.is_valid())
        self.assertIn('<option value="CA" selected>', str(form["market"]))
