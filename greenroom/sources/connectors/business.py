"""Finance, people and CRM exports: GL costs, HR headcount, Salesforce/HubSpot accounts, FX."""

from greenroom.lib.imports.formats import HUBSPOT_COMPANIES, SALESFORCE_ACCOUNTS, ExportFormat
from greenroom.sources.connectors.base import Check, Stage
from greenroom.sources.connectors.tabular import (
    Fields,
    TabularConnector,
    bad_value,
    currency_check,
    decimal_sql,
    required_text,
)


class CostsConnector(TabularConnector):
    """General-ledger cost lines: date, account, cost centre (a team), amount, currency."""

    kind = "costs"
    tables = ("costs",)
    fields = {
        "entry_id": ("entry id", "journal entry line", "line id", "transaction id", "id"),
        "date": ("posting date", "posted", "transaction date", "gl date"),
        "account": ("gl account", "account name", "ledger account"),
        "cost_centre": ("cost center", "costcentre", "team", "department"),
        "amount": ("net amount", "debit"),
        "currency": ("currency code", "ccy"),
        "description": ("memo", "narrative", "details"),
    }
    required = {"date", "account", "cost_centre", "amount", "currency"}

    def stage(self) -> Stage:
        # Without an entry id, a line is identified by its content and its occurrence among
        # identical lines, so a re-exported ledger maps to the same ids.
        derived = (
            "'gl-' || md5(concat_ws('|', date, account, cost_centre, amount, currency, "
            "description)) || '-' || row_number() OVER (PARTITION BY date, account, "
            "cost_centre, amount, currency, description ORDER BY _row)"
        )
        select = f"""
            SELECT coalesce(nullif(trim(entry_id), ''), {derived}) AS entry_id,
                   {self.date("date")} AS date, trim(account) AS account,
                   trim(cost_centre) AS cost_centre, {decimal_sql("amount")} AS amount,
                   upper(trim(currency)) AS currency, description,
                   _row, date AS _date, amount AS _amount
            FROM _in
        """
        return Stage(
            "costs",
            select,
            [
                bad_value("date", "_date", "date", "a date"),
                required_text("account"),
                required_text("cost_centre"),
                bad_value("amount", "_amount", "amount", "an amount"),
                currency_check(),
            ],
        )


class HeadcountConnector(TabularConnector):
    """An HR export: person, team, role, start and end dates, loaded annual cost."""

    kind = "headcount"
    tables = ("headcount",)
    fields = {
        "person_id": ("employee id", "employee number", "person", "worker id", "id"),
        "name": ("full name", "employee name", "employee"),
        "team": ("department", "cost centre", "cost center"),
        "role": ("title", "job title", "position"),
        "start_date": ("start", "hire date", "start date"),
        "end_date": ("end", "termination date", "leave date"),
        "annual_loaded_cost": (
            "loaded annual cost",
            "loaded cost",
            "annual cost",
            "fully loaded cost",
        ),
        "currency": ("currency code", "ccy"),
    }
    required = {"person_id", "team", "role", "start_date", "annual_loaded_cost"}

    def stage(self) -> Stage:
        select = f"""
            SELECT trim(person_id) AS person_id, name, trim(team) AS team, trim(role) AS role,
                   {self.date("start_date")} AS start_date, {self.date("end_date")} AS end_date,
                   {decimal_sql("annual_loaded_cost")} AS annual_loaded_cost,
                   upper(trim(coalesce(nullif(trim(currency), ''), {self.default_currency()})))
                     AS currency,
                   _row, start_date AS _start, end_date AS _end, annual_loaded_cost AS _cost
            FROM _in
        """
        return Stage(
            "headcount",
            select,
            [
                required_text("person_id"),
                required_text("team"),
                required_text("role"),
                bad_value("start_date", "_start", "start_date", "a date"),
                bad_value("end_date", "_end", "end_date", "a date", required=False),
                Check("end_date", "end_date < start_date", "'ends before it starts'"),
                bad_value("annual_loaded_cost", "_cost", "annual_loaded_cost", "an amount"),
                currency_check(),
            ],
        )


class FxRatesConnector(TabularConnector):
    """Daily FX rates: units of the currency per 1 unit of the reporting currency."""

    kind = "fx_rates"
    tables = ("fx_rates",)
    fields = {
        "date": ("rate date", "day"),
        "currency": ("currency code", "ccy", "quote currency"),
        "rate": ("fx rate", "exchange rate", "value"),
    }
    required = {"date", "currency", "rate"}

    def stage(self) -> Stage:
        select = f"""
            SELECT {self.date("date")} AS date, upper(trim(currency)) AS currency,
                   try_cast(trim(rate) AS DECIMAL(18,8)) AS rate,
                   _row, date AS _date, rate AS _rate
            FROM _in
        """
        return Stage(
            "fx_rates",
            select,
            [
                bad_value("date", "_date", "date", "a date"),
                currency_check(),
                bad_value("rate", "_rate", "rate", "a number"),
                Check("rate", "rate <= 0", "'must be more than 0'"),
            ],
        )


def _domain_sql(column: str) -> str:
    # "https://www.Acme.com/about" → "acme.com": the key accounts are matched on.
    return (
        f"nullif(regexp_replace(regexp_replace(lower(trim({column})), '^[a-z]+://', ''), "
        f"'^www\\.|[/?#:].*$', '', 'g'), '')"
    )


def _country_sql(column: str) -> str:
    return f"(SELECT alpha2 FROM _countries WHERE name = lower(trim({column})))"


# Each staged column of raw.crm_accounts and the field of the CRM export that fills it.
CRM_COLUMNS = {
    "account_id": "id",
    "name": "name",
    "domain": "domain",
    "segment": "segment",
    "industry": "industry",
    "country": "country",
    "owner": "owner",
    "plan": "plan",
    "arr": "arr",
    "currency": "currency",
    "stripe_customer_id": "stripe_customer_id",
    "employees": "employees",
    "annual_revenue": "annual_revenue",
}


def crm_fields(export: ExportFormat) -> Fields:
    """The connector's fields with the header names the export is defined with (shared with
    the customer importers); the owner may also be the owner's id column, kept as text."""
    fields = {column: export.aliases(field) for column, field in CRM_COLUMNS.items()}
    fields["owner"] += export.aliases("owner_id")
    return fields


class CrmConnector(TabularConnector):
    """CRM accounts; subclasses name the export they read (``lib/imports/formats.py``)."""

    tables = ("crm_accounts",)
    crm = ""
    export: ExportFormat
    required = {"account_id", "name"}

    def stage(self) -> Stage:
        select = f"""
            SELECT trim(account_id) AS account_id, trim(name) AS name,
                   {_domain_sql("domain")} AS domain, nullif(trim(segment), '') AS segment,
                   nullif(trim(industry), '') AS industry, {_country_sql("country")} AS country,
                   nullif(trim(owner), '') AS owner, nullif(trim(plan), '') AS plan,
                   {decimal_sql("arr")} AS arr,
                   upper(trim(coalesce(nullif(trim(currency), ''),
                                       {self.default_currency()}))) AS currency,
                   nullif(trim(stripe_customer_id), '') AS stripe_customer_id,
                   try_cast(replace(trim(employees), ',', '') AS BIGINT) AS employees,
                   {decimal_sql("annual_revenue")} AS annual_revenue, '{self.crm}' AS crm,
                   _row, country AS _country, arr AS _arr, employees AS _employees,
                   annual_revenue AS _revenue
            FROM _in
        """
        return Stage(
            "crm_accounts",
            select,
            [
                required_text("account_id"),
                required_text("name"),
                Check(
                    "country",
                    "_country IS NOT NULL AND trim(_country) <> '' AND country IS NULL",
                    "'unknown country ' || _country || ' (use a name or ISO 3166 code)'",
                ),
                bad_value("arr", "_arr", "arr", "an amount", required=False),
                bad_value("employees", "_employees", "employees", "a whole number", required=False),
                bad_value(
                    "annual_revenue", "_revenue", "annual_revenue", "an amount", required=False
                ),
                currency_check(),
            ],
        )


class SalesforceConnector(CrmConnector):
    """A Salesforce Account export (report or Data Loader)."""

    kind = "salesforce"
    crm = "salesforce"
    export = SALESFORCE_ACCOUNTS
    fields = crm_fields(SALESFORCE_ACCOUNTS)


class HubSpotConnector(CrmConnector):
    """A HubSpot Companies export."""

    kind = "hubspot"
    crm = "hubspot"
    export = HUBSPOT_COMPANIES
    fields = crm_fields(HUBSPOT_COMPANIES)
