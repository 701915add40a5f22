"""The Salesforce objects the sandbox org holds and the emulator describes.

This is the contract between the sandbox generator (which fills records with these API names), the
Salesforce emulator (which serves them and answers ``describe`` with these types) and the dlt source
(which never reads this module: it learns fields from ``describe`` like it does against a real org).

Types are Salesforce field types as ``describe`` reports them. Python values held by the sandbox org:

| SF type                                    | Python value                 |
| ------------------------------------------ | ---------------------------- |
| id, reference, string, picklist, email,    | ``str``                      |
| url, textarea, phone                       |                              |
| boolean                                    | ``bool``                     |
| int                                        | ``int``                      |
| currency                                   | ``decimal.Decimal`` (2 dp)   |
| double, percent                            | ``float``                    |
| date                                       | ``datetime.date``            |
| datetime                                   | ``datetime.datetime`` (UTC)  |
| address                                    | ``dict`` (compound, SOQL-able over REST only) |

Every value may be ``None`` except ``Id`` and ``SystemModstamp``.
"""

from __future__ import annotations

# object API name -> ordered {field API name: Salesforce type}
SALESFORCE_OBJECTS: dict[str, dict[str, str]] = {
    "User": {
        "Id": "id",
        "Username": "string",
        "Name": "string",
        "FirstName": "string",
        "LastName": "string",
        "Email": "email",
        "Title": "string",
        "Department": "string",
        "IsActive": "boolean",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
        # User has no IsDeleted field in a real org: users are deactivated, never deleted.
    },
    "Account": {
        "Id": "id",
        "IsDeleted": "boolean",
        "Name": "string",
        "Type": "picklist",  # Prospect | Customer | Former Customer
        "Industry": "picklist",
        "NumberOfEmployees": "int",
        "AnnualRevenue": "currency",
        "Website": "url",
        "BillingCity": "string",
        "BillingCountry": "string",
        "BillingAddress": "address",  # compound: the connector must skip it
        "CurrencyIsoCode": "picklist",
        "OwnerId": "reference",
        "ParentId": "reference",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "Contact": {
        "Id": "id",
        "IsDeleted": "boolean",
        "AccountId": "reference",
        "FirstName": "string",
        "LastName": "string",
        "Name": "string",
        "Email": "email",
        "Title": "string",
        "Department": "string",
        "LeadSource": "picklist",
        "MailingCountry": "string",
        "MailingAddress": "address",
        "Buying_Role__c": "picklist",  # Decision Maker | Economic Buyer | Champion | Influencer | Technical Evaluator | User
        "OwnerId": "reference",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "Lead": {
        "Id": "id",
        "IsDeleted": "boolean",
        "FirstName": "string",
        "LastName": "string",
        "Name": "string",
        "Email": "email",
        "Company": "string",
        "Title": "string",
        "Website": "url",
        "Country": "string",
        "Status": "picklist",  # Open - Not Contacted | Working - Contacted | Closed - Converted | Closed - Disqualified
        "LeadSource": "picklist",
        "Disqualified_Reason__c": "picklist",
        "IsConverted": "boolean",
        "ConvertedDate": "date",
        "ConvertedAccountId": "reference",
        "ConvertedContactId": "reference",
        "ConvertedOpportunityId": "reference",
        "OwnerId": "reference",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "Campaign": {
        "Id": "id",
        "IsDeleted": "boolean",
        "Name": "string",
        "Type": "picklist",  # Webinar | Conference | Trade Show | Email | Paid Search | Paid Social | Content | Partners | Direct Mail | Website
        "Status": "picklist",
        "StartDate": "date",
        "EndDate": "date",
        "BudgetedCost": "currency",
        "ActualCost": "currency",
        "CurrencyIsoCode": "picklist",
        "IsActive": "boolean",
        "ParentId": "reference",
        "OwnerId": "reference",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "CampaignMember": {
        "Id": "id",
        "IsDeleted": "boolean",
        "CampaignId": "reference",
        "LeadId": "reference",
        "ContactId": "reference",
        "Status": "picklist",  # Sent | Opened | Clicked | Registered | Attended | Responded
        "HasResponded": "boolean",
        "FirstRespondedDate": "date",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "Opportunity": {
        "Id": "id",
        "IsDeleted": "boolean",
        "AccountId": "reference",
        "Name": "string",
        "Type": "picklist",  # New Business | Existing Business - Expansion | Renewal | Existing Business - Downgrade
        "StageName": "picklist",
        "Amount": "currency",
        "CurrencyIsoCode": "picklist",  # USD | EUR (a real multi-currency org)
        "Probability": "percent",
        "CloseDate": "date",
        "IsClosed": "boolean",
        "IsWon": "boolean",
        "ForecastCategoryName": "picklist",
        "LeadSource": "picklist",
        "CampaignId": "reference",  # primary campaign source
        "OwnerId": "reference",
        "Term_Months__c": "double",
        "Loss_Reason__c": "picklist",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "OpportunityContactRole": {
        "Id": "id",
        "IsDeleted": "boolean",
        "OpportunityId": "reference",
        "ContactId": "reference",
        "Role": "picklist",
        "IsPrimary": "boolean",
        "CreatedDate": "datetime",
        "LastModifiedDate": "datetime",
        "SystemModstamp": "datetime",
    },
    "OpportunityHistory": {
        # One row per change of stage, amount or close date; CreatedDate is when the change happened.
        "Id": "id",
        "IsDeleted": "boolean",
        "OpportunityId": "reference",
        "StageName": "picklist",
        "Amount": "currency",
        "ExpectedRevenue": "currency",
        "CloseDate": "date",
        "Probability": "percent",
        "ForecastCategory": "picklist",
        "CreatedById": "reference",
        "CreatedDate": "datetime",
        "SystemModstamp": "datetime",
    },
}

# Salesforce id key prefixes, so sandbox ids look like real 18-character ids.
KEY_PREFIXES: dict[str, str] = {
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Campaign": "701",
    "CampaignMember": "00v",
    "Opportunity": "006",
    "OpportunityContactRole": "00K",
    "OpportunityHistory": "008",
}
