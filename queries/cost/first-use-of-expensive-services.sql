-- title: First use of expensive services
-- severity: medium
-- description: Successful create or start calls to SageMaker, Redshift, EMR, Bedrock model
--   provisioning, OpenSearch, Neptune, DocumentDB or Kendra by an account that made no call to
--   that service during the look-back before the period.
-- references: FinOps: new spend; MITRE ATT&CK T1496
WITH calls AS (
  SELECT eventid, eventtime, account, eventsource, eventname
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource IN ('sagemaker.amazonaws.com', 'redshift.amazonaws.com', 'redshift-serverless.amazonaws.com', 'elasticmapreduce.amazonaws.com',
                        'bedrock.amazonaws.com', 'es.amazonaws.com', 'neptune.amazonaws.com', 'docdb-elastic.amazonaws.com', 'kendra.amazonaws.com')
),
used AS (SELECT DISTINCT account, eventsource FROM calls WHERE eventtime < $from)
SELECT c.account, c.eventsource, min(c.eventtime) AS first_call, array_sort(array_agg(DISTINCT c.eventname)) AS calls,
       array_sort(array_agg(c.eventid)) AS eventids
FROM calls c LEFT JOIN used u ON c.account = u.account AND c.eventsource = u.eventsource
WHERE c.eventtime >= $from AND u.account IS NULL
  AND regexp_like(c.eventname, '^(Create|Start|Run|Provision|Put)')
  AND c.eventid IN (SELECT eventid FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until AND errorcode IS NULL)
GROUP BY c.account, c.eventsource
ORDER BY c.account, c.eventsource
