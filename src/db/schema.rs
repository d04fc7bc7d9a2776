//! Diesel table definitions shared by both backends. Written by hand to the
//! portable subset of types; `tests/schema_parity.rs` checks that the SQLite
//! and PostgreSQL migrations agree with each other.

diesel::table! {
    institutions (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        home_lad -> Text,
        fy_start_month -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    networks (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    network_members (network_id, institution_id) {
        network_id -> BigInt,
        institution_id -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        institution_id -> Nullable<BigInt>,
        password_hash -> Text,
        disabled -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        password_changed_at -> Timestamp,
        network_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        institution_id -> Nullable<BigInt>,
        summary -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    edit_versions (key) {
        key -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> BigInt,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    geo_areas (code) {
        code -> Text,
        name -> Text,
        name_welsh -> Nullable<Text>,
        kind -> Text,
        active -> Bool,
        ended_on -> Nullable<Date>,
    }
}

diesel::table! {
    geo_district_parents (district_code) {
        district_code -> Text,
        county_code -> Nullable<Text>,
        combined_authority_code -> Nullable<Text>,
        region_code -> Nullable<Text>,
        country_code -> Text,
    }
}

diesel::table! {
    geo_successors (former_code) {
        former_code -> Text,
        successor_code -> Text,
        changed_on -> Nullable<Date>,
    }
}

diesel::table! {
    postcode_releases (id) {
        id -> BigInt,
        name -> Text,
        source_format -> Text,
        files -> Text,
        status -> Text,
        row_count -> BigInt,
        terminated_count -> BigInt,
        imd_lsoa_count -> Nullable<Integer>,
        imported_by -> Text,
        started_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    postcodes (release_id, postcode) {
        release_id -> BigInt,
        postcode -> Text,
        district_code -> Nullable<Text>,
        ward_code -> Nullable<Text>,
        lsoa_code -> Nullable<Text>,
        county_code -> Nullable<Text>,
        region_code -> Nullable<Text>,
        country_code -> Nullable<Text>,
        imd_rank -> Nullable<Integer>,
        terminated -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        description -> Text,
        status -> Text,
        total_units -> BigInt,
        done_units -> BigInt,
        message -> Text,
        created_by -> Nullable<BigInt>,
        institution_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    area_definitions (id) {
        id -> BigInt,
        owner_kind -> Text,
        owner_id -> BigInt,
        version -> BigInt,
        note -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    area_tiers (definition_id, position) {
        definition_id -> BigInt,
        position -> Integer,
        name -> Text,
    }
}

diesel::table! {
    area_tier_codes (definition_id, position, code) {
        definition_id -> BigInt,
        position -> Integer,
        code -> Text,
    }
}

diesel::table! {
    area_tier_districts (definition_id, position, district_code) {
        definition_id -> BigInt,
        position -> Integer,
        district_code -> Text,
    }
}

diesel::table! {
    suppliers (id) {
        id -> BigInt,
        name -> Text,
        normalised_name -> Text,
        match_key -> Text,
        company_number -> Nullable<Text>,
        charity_number -> Nullable<Text>,
        vat_number -> Nullable<Text>,
        postcode_registered -> Nullable<Text>,
        postcode_branch -> Nullable<Text>,
        postcode_invoice -> Nullable<Text>,
        location_basis -> Text,
        override_place -> Nullable<Text>,
        override_justification -> Nullable<Text>,
        legal_form -> Nullable<Text>,
        size_band -> Nullable<Text>,
        size_definition -> Nullable<Text>,
        employees -> Nullable<BigInt>,
        turnover_pence -> Nullable<BigInt>,
        is_vcse -> Bool,
        is_charity -> Bool,
        is_cic -> Bool,
        is_cooperative -> Bool,
        is_employee_owned -> Bool,
        is_social_enterprise -> Bool,
        is_public_body -> Bool,
        sic_codes -> Text,
        living_wage -> Text,
        dissolved -> Bool,
        merged_into -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    supplier_aliases (id) {
        id -> BigInt,
        supplier_id -> BigInt,
        name -> Text,
        normalised_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    supplier_external_ids (institution_id, external_id) {
        institution_id -> BigInt,
        external_id -> Text,
        supplier_id -> BigInt,
    }
}

diesel::table! {
    supplier_proposals (id) {
        id -> BigInt,
        supplier_id -> BigInt,
        institution_id -> BigInt,
        field -> Text,
        value -> Text,
        provenance -> Text,
        status -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    supplier_provenance (id) {
        id -> BigInt,
        supplier_id -> BigInt,
        field -> Text,
        source -> Text,
        set_by -> Text,
        set_at -> Timestamp,
        evidence -> Text,
        set_by_user_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    supplier_locations (supplier_id) {
        supplier_id -> BigInt,
        release_id -> Nullable<BigInt>,
        postcode -> Nullable<Text>,
        district_code -> Nullable<Text>,
        former_district_code -> Nullable<Text>,
        ward_code -> Nullable<Text>,
        lsoa_code -> Nullable<Text>,
        region_code -> Nullable<Text>,
        country_code -> Nullable<Text>,
        imd_rank -> Nullable<Integer>,
        imd_decile -> Nullable<Integer>,
        terminated -> Nullable<Text>,
        manual -> Bool,
        outside_uk -> Bool,
        unknown_reason -> Nullable<Text>,
        resolved_at -> Timestamp,
    }
}

diesel::table! {
    supplier_merges (id) {
        id -> BigInt,
        kept_id -> BigInt,
        merged_id -> BigInt,
        moved_aliases -> Text,
        moved_external_ids -> Text,
        merged_by -> Text,
        merged_at -> Timestamp,
        undone_by -> Nullable<Text>,
        undone_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    charities (release_id, charity_number) {
        release_id -> BigInt,
        charity_number -> Text,
        name -> Text,
        normalised_name -> Text,
        postcode -> Nullable<Text>,
        latest_income_pence -> Nullable<BigInt>,
        registered -> Bool,
        company_number -> Nullable<Text>,
    }
}

diesel::table! {
    charity_releases (id) {
        id -> BigInt,
        name -> Text,
        status -> Text,
        row_count -> BigInt,
        imported_by -> Text,
        started_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    company_releases (id) {
        id -> BigInt,
        name -> Text,
        status -> Text,
        row_count -> BigInt,
        imported_by -> Text,
        started_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    companies (release_id, company_number) {
        release_id -> BigInt,
        company_number -> Text,
        name -> Text,
        normalised_name -> Text,
        postcode -> Nullable<Text>,
        category -> Text,
        status -> Text,
        account_category -> Text,
        sic_codes -> Text,
    }
}

diesel::table! {
    spend_lines (id) {
        id -> BigInt,
        institution_id -> BigInt,
        payment_date -> Date,
        invoice_date -> Nullable<Date>,
        amount_pence -> BigInt,
        irrecoverable_vat_pence -> Nullable<BigInt>,
        vat_basis -> Text,
        supplier_id -> Nullable<BigInt>,
        supplier_name -> Text,
        redacted -> Bool,
        transaction_ref -> Nullable<Text>,
        invoice_ref -> Nullable<Text>,
        line_ref -> Nullable<Text>,
        department -> Nullable<Text>,
        expense_type -> Nullable<Text>,
        expense_code -> Nullable<Text>,
        category -> Nullable<Text>,
        description -> Nullable<Text>,
        capital_revenue -> Nullable<Text>,
        purchase_card -> Bool,
        payment_type -> Text,
        import_batch_id -> Nullable<BigInt>,
        import_row -> Nullable<BigInt>,
        entered_by -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        fingerprint -> Nullable<BigInt>,
        period -> Nullable<Text>,
        received_date -> Nullable<Date>,
        statement_ref -> Nullable<Text>,
    }
}

diesel::table! {
    import_batches (id) {
        id -> BigInt,
        institution_id -> BigInt,
        file_name -> Text,
        file_hash -> Text,
        file_size -> BigInt,
        status -> Text,
        layout -> Text,
        settings -> Text,
        preview -> Text,
        message -> Text,
        line_count -> BigInt,
        skipped_count -> BigInt,
        total_pence -> BigInt,
        job_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        committed_by -> Nullable<BigInt>,
        committed_at -> Nullable<Timestamp>,
        undone_by -> Nullable<BigInt>,
        undone_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    import_rows_left_out (batch_id, row_number) {
        batch_id -> BigInt,
        row_number -> BigInt,
        line_number -> BigInt,
        reason -> Text,
        cells -> Text,
    }
}

diesel::table! {
    import_file_chunks (batch_id, seq) {
        batch_id -> BigInt,
        seq -> BigInt,
        data -> Binary,
    }
}

diesel::table! {
    import_profiles (institution_id, signature) {
        institution_id -> BigInt,
        signature -> Text,
        settings -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reference_figures (id) {
        id -> BigInt,
        label -> Text,
        collection -> Text,
        source -> Text,
        period -> Text,
        measure -> Text,
        share_bp -> BigInt,
        spend_pence -> Nullable<BigInt>,
        local_pence -> Nullable<BigInt>,
        definition -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    report_targets (owner_kind, owner_id, fy, tier_position) {
        owner_kind -> Text,
        owner_id -> BigInt,
        fy -> Integer,
        tier_position -> Integer,
        target_bp -> BigInt,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    spend_totals (institution_id, fy, supplier_key, payment_type, vat_basis) {
        institution_id -> BigInt,
        fy -> Integer,
        supplier_key -> BigInt,
        payment_type -> Text,
        vat_basis -> Text,
        pence -> BigInt,
        lines -> BigInt,
    }
}

diesel::table! {
    supplier_location_queue (supplier_id) {
        supplier_id -> BigInt,
    }
}

diesel::table! {
    supplier_facts_version (id) {
        id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    spend_totals_version (institution_id) {
        institution_id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    payment_type_rules (institution_id, payment_type) {
        institution_id -> BigInt,
        payment_type -> Text,
        influenceable -> Bool,
    }
}

diesel::table! {
    closed_years (institution_id, financial_year) {
        institution_id -> BigInt,
        financial_year -> Integer,
        closed_at -> Timestamp,
        closed_by -> Text,
        closed_by_user_id -> Nullable<BigInt>,
        note -> Text,
    }
}

diesel::joinable!(network_members -> networks (network_id));
diesel::joinable!(network_members -> institutions (institution_id));
diesel::joinable!(users -> institutions (institution_id));
diesel::joinable!(users -> networks (network_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(area_tiers -> area_definitions (definition_id));
diesel::joinable!(supplier_aliases -> suppliers (supplier_id));
diesel::joinable!(supplier_external_ids -> suppliers (supplier_id));
diesel::joinable!(supplier_proposals -> suppliers (supplier_id));
diesel::joinable!(supplier_provenance -> suppliers (supplier_id));
diesel::joinable!(supplier_locations -> suppliers (supplier_id));
diesel::joinable!(spend_lines -> suppliers (supplier_id));
diesel::joinable!(spend_lines -> import_batches (import_batch_id));
diesel::joinable!(import_batches -> institutions (institution_id));
diesel::joinable!(import_rows_left_out -> import_batches (batch_id));

diesel::joinable!(supplier_provenance -> users (set_by_user_id));

diesel::allow_tables_to_appear_in_same_query!(
    charities,
    closed_years,
    charity_releases,
    import_batches,
    import_file_chunks,
    import_rows_left_out,
    import_profiles,
    institutions,
    reference_figures,
    report_targets,
    spend_totals,
    spend_totals_version,
    supplier_facts_version,
    supplier_location_queue,
    networks,
    network_members,
    users,
    sessions,
    audit_log,
    settings,
    login_throttle,
    edit_versions,
    setup_tokens,
    geo_areas,
    geo_district_parents,
    geo_successors,
    postcode_releases,
    postcodes,
    jobs,
    area_definitions,
    area_tiers,
    area_tier_codes,
    area_tier_districts,
    suppliers,
    supplier_aliases,
    supplier_external_ids,
    supplier_proposals,
    supplier_provenance,
    supplier_locations,
    supplier_merges,
    company_releases,
    companies,
    spend_lines,
    payment_type_rules,
);
