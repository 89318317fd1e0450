"""The industry templates: for each industry, the customer fields a business of that kind
tracks about its customers. Loaded into IndustryFieldTemplate by migration 0002.

Each entry: (field_key, field_label, field_type, extras) where extras may hold select_options,
validation_rules, help_text and placeholder. The retail and healthcare keys are the ones the
original specification names (`is_vip`, `medical_id`), so an app written against it works. No
template field is required: a new tenant's customers can be created before it decides what it
asks for (an admin may make a field required afterwards).
"""

INDUSTRY_FIELDS: dict[str, list[tuple[str, str, str, dict]]] = {
    "retail": [
        ("birth_date", "Birth date", "date", {}),
        ("loyalty_points", "Loyalty points", "number", {"validation_rules": {"min": 0}}),
        (
            "favorite_category",
            "Favourite category",
            "select",
            {"select_options": ["Clothing", "Shoes", "Accessories"]},
        ),
        ("last_purchase_date", "Last purchase date", "date", {}),
        ("is_vip", "VIP customer", "boolean", {}),
    ],
    "healthcare": [
        ("medical_id", "National / medical ID", "text", {"validation_rules": {"max_length": 20}}),
        (
            "insurance_type",
            "Insurance type",
            "select",
            {"select_options": ["Social security", "Medical services", "Private"]},
        ),
        ("last_visit_date", "Last visit date", "date", {}),
        ("chronic_conditions", "Chronic conditions", "text", {}),
        ("emergency_contact_phone", "Emergency contact phone", "phone", {}),
    ],
    "ecommerce": [
        (
            "preferred_channel",
            "Preferred channel",
            "select",
            {"select_options": ["Web", "Mobile app", "Marketplace"]},
        ),
        ("orders_count", "Orders placed", "number", {"validation_rules": {"min": 0}}),
        ("average_order_value", "Average order value", "number", {"validation_rules": {"min": 0}}),
        ("last_order_date", "Last order date", "date", {}),
        ("newsletter_opt_in", "Newsletter opt-in", "boolean", {}),
        ("shipping_country", "Shipping country", "text", {"placeholder": "e.g. Germany"}),
    ],
    "restaurant": [
        (
            "dietary_preference",
            "Dietary preference",
            "select",
            {"select_options": ["None", "Vegetarian", "Vegan", "Halal", "Kosher", "Gluten-free"]},
        ),
        ("allergies", "Allergies", "text", {}),
        ("visits_count", "Visits", "number", {"validation_rules": {"min": 0}}),
        ("favorite_dish", "Favourite dish", "text", {}),
        ("birthday", "Birthday", "date", {}),
        ("prefers_outdoor_seating", "Prefers outdoor seating", "boolean", {}),
    ],
    "education": [
        ("student_id", "Student ID", "text", {}),
        (
            "program",
            "Programme of interest",
            "select",
            {"select_options": ["Undergraduate", "Postgraduate", "Short course", "Online"]},
        ),
        ("enrollment_date", "Enrolment date", "date", {}),
        ("guardian_phone", "Parent / guardian phone", "phone", {}),
        ("scholarship", "Scholarship holder", "boolean", {}),
    ],
    "technology": [
        (
            "company_size",
            "Company size",
            "select",
            {"select_options": ["1-10", "11-50", "51-200", "201-1000", "1000+"]},
        ),
        (
            "plan",
            "Subscription plan",
            "select",
            {"select_options": ["Free", "Starter", "Business", "Enterprise"]},
        ),
        ("seats", "Seats", "number", {"validation_rules": {"min": 0}}),
        ("renewal_date", "Renewal date", "date", {}),
        ("technical_contact_email", "Technical contact email", "email", {}),
        ("website", "Website", "url", {"placeholder": "https://"}),
    ],
    "finance": [
        (
            "account_type",
            "Account type",
            "select",
            {"select_options": ["Personal", "Business", "Joint"]},
        ),
        (
            "risk_profile",
            "Risk profile",
            "select",
            {"select_options": ["Conservative", "Balanced", "Growth", "Aggressive"]},
        ),
        ("annual_income", "Annual income", "number", {"validation_rules": {"min": 0}}),
        ("kyc_verified", "KYC verified", "boolean", {}),
        ("kyc_review_date", "Next KYC review", "date", {}),
    ],
    "real_estate": [
        (
            "property_type",
            "Property type",
            "select",
            {"select_options": ["Apartment", "House", "Land", "Commercial"]},
        ),
        ("budget_max", "Maximum budget", "number", {"validation_rules": {"min": 0}}),
        ("bedrooms", "Bedrooms wanted", "number", {"validation_rules": {"min": 0, "max": 20}}),
        ("preferred_area", "Preferred area", "text", {}),
        ("mortgage_approved", "Mortgage pre-approved", "boolean", {}),
        ("move_in_date", "Desired move-in date", "date", {}),
    ],
    "travel": [
        ("passport_expiry", "Passport expiry", "date", {}),
        ("preferred_destination", "Preferred destination", "text", {}),
        (
            "travel_style",
            "Travel style",
            "select",
            {"select_options": ["Budget", "Comfort", "Luxury", "Adventure"]},
        ),
        ("frequent_flyer_number", "Frequent flyer number", "text", {}),
        ("trips_booked", "Trips booked", "number", {"validation_rules": {"min": 0}}),
    ],
    "beauty": [
        (
            "skin_type",
            "Skin type",
            "select",
            {"select_options": ["Normal", "Dry", "Oily", "Combination", "Sensitive"]},
        ),
        ("preferred_stylist", "Preferred stylist", "text", {}),
        ("last_appointment", "Last appointment", "date", {}),
        ("allergies", "Allergies", "text", {}),
        ("membership", "Membership holder", "boolean", {}),
    ],
    "fitness": [
        (
            "membership_type",
            "Membership type",
            "select",
            {"select_options": ["Monthly", "Quarterly", "Annual", "Pay as you go"]},
        ),
        ("membership_expiry", "Membership expiry", "date", {}),
        (
            "fitness_goal",
            "Fitness goal",
            "select",
            {"select_options": ["Weight loss", "Muscle gain", "Endurance", "Rehabilitation"]},
        ),
        ("personal_trainer", "Has personal trainer", "boolean", {}),
        (
            "visits_per_week",
            "Visits per week",
            "number",
            {"validation_rules": {"min": 0, "max": 21}},
        ),
    ],
    "automotive": [
        ("vehicle_model", "Vehicle model", "text", {}),
        (
            "vehicle_year",
            "Vehicle year",
            "number",
            {"validation_rules": {"min": 1900, "max": 2100}},
        ),
        ("license_plate", "License plate", "text", {}),
        ("last_service_date", "Last service date", "date", {}),
        ("mileage_km", "Mileage (km)", "number", {"validation_rules": {"min": 0}}),
        ("financing_interest", "Interested in financing", "boolean", {}),
    ],
    "consulting": [
        ("industry_sector", "Client sector", "text", {}),
        (
            "engagement_type",
            "Engagement type",
            "select",
            {"select_options": ["Project", "Retainer", "Hourly", "Workshop"]},
        ),
        ("contract_value", "Contract value", "number", {"validation_rules": {"min": 0}}),
        ("contract_end_date", "Contract end date", "date", {}),
        ("decision_maker", "Decision maker", "boolean", {}),
    ],
    "legal": [
        (
            "case_type",
            "Case type",
            "select",
            {"select_options": ["Corporate", "Family", "Criminal", "Real estate", "Employment"]},
        ),
        ("case_number", "Case number", "text", {}),
        ("retainer_signed", "Retainer signed", "boolean", {}),
        ("next_hearing_date", "Next hearing date", "date", {}),
        ("conflict_check_done", "Conflict check done", "boolean", {}),
    ],
    "nonprofit": [
        (
            "donor_type",
            "Donor type",
            "select",
            {"select_options": ["Individual", "Corporate", "Foundation", "Government"]},
        ),
        ("total_donated", "Total donated", "number", {"validation_rules": {"min": 0}}),
        ("last_donation_date", "Last donation date", "date", {}),
        ("volunteer", "Volunteer", "boolean", {}),
        ("gift_aid", "Gift aid / tax receipt wanted", "boolean", {}),
    ],
    "manufacturing": [
        ("account_number", "Account number", "text", {}),
        (
            "payment_terms",
            "Payment terms",
            "select",
            {"select_options": ["Prepaid", "Net 30", "Net 60", "Net 90"]},
        ),
        ("annual_volume", "Annual volume (units)", "number", {"validation_rules": {"min": 0}}),
        ("certification_required", "Certification required", "boolean", {}),
        ("procurement_email", "Procurement email", "email", {}),
    ],
    "agriculture": [
        ("farm_size_hectares", "Farm size (ha)", "number", {"validation_rules": {"min": 0}}),
        ("main_crop", "Main crop", "text", {}),
        (
            "farming_type",
            "Farming type",
            "select",
            {"select_options": ["Arable", "Livestock", "Mixed", "Organic"]},
        ),
        ("region", "Region", "text", {}),
        ("next_harvest_date", "Next harvest", "date", {}),
    ],
    "entertainment": [
        (
            "favorite_genre",
            "Favourite genre",
            "select",
            {"select_options": ["Music", "Theatre", "Film", "Comedy", "Sport"]},
        ),
        ("tickets_purchased", "Tickets purchased", "number", {"validation_rules": {"min": 0}}),
        ("last_event_date", "Last event attended", "date", {}),
        ("season_pass", "Season pass holder", "boolean", {}),
    ],
    "media": [
        (
            "subscription_tier",
            "Subscription tier",
            "select",
            {"select_options": ["Free", "Digital", "Print", "Print and digital"]},
        ),
        ("subscription_start", "Subscriber since", "date", {}),
        ("topics_of_interest", "Topics of interest", "text", {}),
        ("advertiser", "Advertiser", "boolean", {}),
        ("media_kit_url", "Media kit", "url", {}),
    ],
    "other": [
        ("birth_date", "Birth date", "date", {}),
        (
            "preferred_contact",
            "Preferred contact method",
            "select",
            {"select_options": ["Email", "Phone", "SMS", "WhatsApp"]},
        ),
        ("referral_source", "How they heard of us", "text", {}),
        ("marketing_consent", "Marketing consent", "boolean", {}),
    ],
}
