//! The JSON export: the API's assessments with the consultant's fields, for integrations.

use serde::Serialize;

use super::stream::Encoder;
use super::{ExportLead, export_leads};
use crate::assessment::Assessment;
use crate::db::review::ExportRow;
use crate::rules::Outcome;

/// One element of the JSON export.
#[derive(Serialize)]
struct JsonItem {
    #[serde(flatten)]
    assessment: Assessment,
    status: String,
    tags: Vec<String>,
    history: String,
    leads: Vec<ExportLead>,
}

#[derive(Default)]
pub(super) struct JsonEncoder {
    buf: Vec<u8>,
    started: bool,
}

impl Encoder for JsonEncoder {
    fn row(&mut self, row: ExportRow) -> anyhow::Result<()> {
        let outcome: Outcome = serde_json::from_str(&row.result)
            .map_err(|e| anyhow::anyhow!("stored result {} does not parse: {e}", row.id))?;
        let leads = export_leads(&row)?;
        let item = JsonItem {
            assessment: Assessment {
                id: row.id,
                created_at: row.created_at,
                outcome,
            },
            status: row.status,
            tags: row
                .tags
                .as_deref()
                .unwrap_or_default()
                .split(';')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            history: row.notes.unwrap_or_default(),
            leads,
        };
        self.buf.push(if self.started { b',' } else { b'[' });
        self.started = true;
        serde_json::to_writer(&mut self.buf, &item)?;
        self.buf.push(b'\n');
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if !self.started {
            self.buf.push(b'[');
            self.started = true;
        }
        self.buf.push(b']');
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        Ok(std::mem::take(&mut self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_json_export_is_an_empty_array() {
        let mut e = JsonEncoder::default();
        e.finish().unwrap();
        assert_eq!(e.take().unwrap(), b"[]");
    }
}
