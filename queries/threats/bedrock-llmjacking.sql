-- title: Bedrock used by a principal that never used it (LLMjacking)
-- severity: high
-- description: Amazon Bedrock calls (model invocations, Converse, model listings and
--   availability checks, model access and use-case requests, invocation logging settings, ...)
--   by a principal (an IAM user, or a role whatever its session names) that made no Bedrock call
--   in the look-back before the period (--lookback, 30 days by default): stolen keys resold as
--   access to large language models, billed to the account, usually preceded by checks of which
--   models are enabled and whether prompts are logged. Refused and invalid calls are counted
--   too: probing with deliberately invalid requests is how access is tested. Accounts the
--   look-back holds nothing of are left out. One row per principal.
-- references: MITRE ATT&CK T1496.004
-- attack: T1496.004
WITH calls AS (
  SELECT eventid, eventtime, eventname, errorcode, account, sourceipaddress,
         coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.principalid) AS principal
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource = 'bedrock.amazonaws.com'
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
),
before AS (
  SELECT DISTINCT principal FROM calls WHERE eventtime < $from
),
history AS (
  SELECT DISTINCT account FROM cloudtrail WHERE eventtime >= $baseline_from AND eventtime < $from
)
SELECT c.principal, min(c.account) AS account, min(c.eventtime) AS first_call, max(c.eventtime) AS last_call, count(*) AS calls,
       sum(CASE WHEN c.errorcode IS NULL THEN 0 ELSE 1 END) AS failed,
       array_sort(array_agg(DISTINCT c.eventname)) AS apis,
       array_sort(array_agg(DISTINCT c.sourceipaddress)) AS source_ips,
       array_agg(c.eventid ORDER BY c.eventtime, c.eventid) AS eventids
FROM calls c
LEFT JOIN before b ON c.principal = b.principal
WHERE eventtime >= $from AND eventtime < $until AND b.principal IS NULL AND c.principal IS NOT NULL
  AND c.account IN (SELECT account FROM history)
GROUP BY c.principal
ORDER BY first_call, c.principal
