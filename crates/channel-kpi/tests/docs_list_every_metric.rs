//! The README and the KPI reference must name every metric id the library has.

#[test]
fn readme_and_reference_list_every_metric() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for doc in ["README.md", "docs/kpis.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        let missing: Vec<&str> = channel_kpi::Metric::ALL.iter().map(|m| m.id()).filter(|id| !text.contains(&format!("`{id}`"))).collect();
        assert!(missing.is_empty(), "{doc} does not mention {missing:?}");
    }
}
