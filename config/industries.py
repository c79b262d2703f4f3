"""The default industry vocabulary: Salesforce's standard Industry picklist values, and HubSpot's company
`industry` enumeration values mapped onto them (a Salesforce label maps to itself)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# Salesforce's standard Account.Industry picklist (Setup > Object Manager > Account > Industry).
SALESFORCE_INDUSTRIES: Final = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental", "Finance",
    "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing",
    "Media", "Not For Profit", "Other", "Recreation", "Retail", "Shipping", "Technology", "Telecommunications",
    "Transportation", "Utilities",
)  # fmt: skip

# HubSpot's company `industry` enumeration (internal values) -> the Salesforce label of the same industry.
HUBSPOT_INDUSTRIES: Final = MappingProxyType({
    "ACCOUNTING": "Finance", "AIRLINES_AVIATION": "Transportation", "APPAREL_FASHION": "Apparel",
    "AUTOMOTIVE": "Manufacturing", "AVIATION_AEROSPACE": "Manufacturing", "BANKING": "Banking",
    "BIOTECHNOLOGY": "Biotechnology", "BROADCAST_MEDIA": "Media", "BUILDING_MATERIALS": "Construction",
    "CAPITAL_MARKETS": "Finance", "CHEMICALS": "Chemicals", "CIVIL_ENGINEERING": "Engineering",
    "COMPUTER_GAMES": "Entertainment", "COMPUTER_HARDWARE": "Technology",
    "COMPUTER_NETWORK_SECURITY": "Technology", "COMPUTER_NETWORKING": "Technology",
    "COMPUTER_SOFTWARE": "Technology", "CONSTRUCTION": "Construction", "CONSUMER_ELECTRONICS": "Electronics",
    "CONSUMER_GOODS": "Retail", "E_LEARNING": "Education", "EDUCATION_MANAGEMENT": "Education",
    "ELECTRICAL_ELECTRONIC_MANUFACTURING": "Electronics", "ENTERTAINMENT": "Entertainment",
    "ENVIRONMENTAL_SERVICES": "Environmental", "FARMING": "Agriculture", "FINANCIAL_SERVICES": "Finance",
    "FOOD_BEVERAGES": "Food & Beverage", "FOOD_PRODUCTION": "Food & Beverage",
    "GOVERNMENT_ADMINISTRATION": "Government", "HEALTH_WELLNESS_AND_FITNESS": "Healthcare",
    "HIGHER_EDUCATION": "Education", "HOSPITAL_HEALTH_CARE": "Healthcare", "HOSPITALITY": "Hospitality",
    "INDUSTRIAL_AUTOMATION": "Manufacturing", "INFORMATION_TECHNOLOGY_AND_SERVICES": "Technology",
    "INSURANCE": "Insurance", "INTERNET": "Technology", "INVESTMENT_BANKING": "Banking",
    "INVESTMENT_MANAGEMENT": "Finance", "LEISURE_TRAVEL_TOURISM": "Hospitality",
    "LOGISTICS_AND_SUPPLY_CHAIN": "Transportation", "MACHINERY": "Machinery", "MANAGEMENT_CONSULTING": "Consulting",
    "MARITIME": "Shipping", "MARKETING_AND_ADVERTISING": "Media",
    "MECHANICAL_OR_INDUSTRIAL_ENGINEERING": "Engineering", "MEDIA_PRODUCTION": "Media",
    "MEDICAL_DEVICES": "Healthcare", "MEDICAL_PRACTICE": "Healthcare", "MOTION_PICTURES_AND_FILM": "Entertainment",
    "MUSIC": "Entertainment", "NEWSPAPERS": "Media", "NONPROFIT_ORGANIZATION_MANAGEMENT": "Not For Profit",
    "OIL_ENERGY": "Energy", "ONLINE_MEDIA": "Media", "PACKAGE_FREIGHT_DELIVERY": "Shipping",
    "PHARMACEUTICALS": "Biotechnology", "PRIMARY_SECONDARY_EDUCATION": "Education", "PUBLISHING": "Media",
    "RECREATIONAL_FACILITIES_AND_SERVICES": "Recreation", "RENEWABLES_ENVIRONMENT": "Energy",
    "RESTAURANTS": "Hospitality", "RETAIL": "Retail", "SEMICONDUCTORS": "Electronics", "SPORTS": "Recreation",
    "SUPERMARKETS": "Retail", "TELECOMMUNICATIONS": "Telecommunications", "TEXTILES": "Apparel",
    "TRANSPORTATION_TRUCKING_RAILROAD": "Transportation", "UTILITIES": "Utilities", "WIRELESS": "Telecommunications",
})  # fmt: skip
