//! What a proxy forwards is exactly what the package writes: any `$filter` a
//! proxy recognises rebuilds to the same text, from values the package
//! accepts, and any filter the package builds from accepted values is
//! recognised as itself. Nothing panics on any input.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mde_machine_actions::list::{ListFilter, ListQuery, MachineQuery};
use mde_machine_actions::listing::Query;

#[derive(Debug, Arbitrary)]
struct Input {
    /// A filter text as a client might send it.
    text: String,
    top: Option<String>,
    /// Values to build a filter from.
    status: Vec<String>,
    machine_id: Vec<String>,
    action_type: Vec<String>,
    requestor: Option<String>,
    created_after: Option<String>,
    created_before: Option<String>,
    prefix: String,
}

fuzz_target!(|input: Input| {
    for endpoint in ["list", "machines", "cancel"] {
        if let Ok(query) = Query::recognise(endpoint, Some(&input.text), input.top.as_deref()) {
            let filter = match &query {
                Query::Actions(q) => q.filter(),
                Query::Machines(q) => q.filter(),
            };
            assert_eq!(filter, input.text, "{endpoint}: recognised as something else");
        }
    }
    let built = ListQuery::new(&ListFilter {
        status: input.status,
        machine_id: input.machine_id,
        action_type: input.action_type,
        requestor: input.requestor,
        created_after: input.created_after,
        created_before: input.created_before,
        top: None,
    });
    if let Ok(query) = built {
        let read = ListQuery::recognise(query.filter(), Some("1000"))
            .unwrap_or_else(|| panic!("{:?} is not recognised", query.filter()));
        assert_eq!(read.filter(), query.filter());
    }
    if let Ok(query) = MachineQuery::new(&input.prefix, None) {
        let read = MachineQuery::recognise(query.filter(), None)
            .unwrap_or_else(|| panic!("{:?} is not recognised", query.filter()));
        assert_eq!(read, query);
    }
});
