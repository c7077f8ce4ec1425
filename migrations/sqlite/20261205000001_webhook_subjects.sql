-- What each webhook event is about, so that erasing an assessment (the owner's link,
-- `person erase`, retention) takes its events with it: `assessment.created` carries the answers
-- and the company name, `lead.created` a person's name, email, consent and client address.
-- NULL for an event about no assessment. No foreign key: an `assessment.deleted` event outlives
-- its assessment, by design.
ALTER TABLE webhook_outbox ADD COLUMN assessment_id TEXT;

-- Every payload so far names its assessment; `json_valid` keeps a damaged row from stopping
-- the upgrade (it stays NULL).
UPDATE webhook_outbox SET assessment_id = CASE
    WHEN NOT json_valid(payload) THEN NULL
    WHEN event_type IN ('assessment.created', 'assessment.deleted')
        THEN json_extract(payload, '$.data.id')
    WHEN event_type = 'lead.created' THEN json_extract(payload, '$.data.assessment_id')
END;

-- What erasures before this release left behind: the events (and their delivery log) of
-- assessments that no longer exist, except the `assessment.deleted` that only names the id.
DELETE FROM webhook_deliveries WHERE message_id IN (
    SELECT id FROM webhook_outbox
    WHERE assessment_id IS NOT NULL AND event_type <> 'assessment.deleted'
      AND assessment_id NOT IN (SELECT id FROM assessments)
);
DELETE FROM webhook_outbox
WHERE assessment_id IS NOT NULL AND event_type <> 'assessment.deleted'
  AND assessment_id NOT IN (SELECT id FROM assessments);

CREATE INDEX webhook_outbox_assessment ON webhook_outbox (assessment_id)
    WHERE assessment_id IS NOT NULL;
-- Erasure and retention delete delivery-log rows by their message.
CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id);
