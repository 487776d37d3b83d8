from django import forms

# Long enough for an email address or a company name; longer is not a search.
MAX_QUERY = 100
# One letter matches nearly everything and tells the member nothing.
MIN_QUERY = 2


class SearchForm(forms.Form):
    q = forms.CharField(label="Find", max_length=MAX_QUERY, required=False)
