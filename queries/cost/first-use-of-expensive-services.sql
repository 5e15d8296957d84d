-- title: First use of expensive services
-- severity: medium
-- description: Successful create or start calls to SageMaker, Redshift, EMR, Bedrock model
--   provisioning, OpenSearch, Kendra, Neptune or DocumentDB by an account that made no call to
--   that service during the look-back before the period. Neptune and instance-based DocumentDB
--   are logged by RDS (`rds.amazonaws.com`), so they are told apart by the `engine` of the RDS
--   call (`neptune`, `docdb`); Neptune Analytics and DocumentDB elastic clusters have sources of
--   their own.
-- references: FinOps: new spend; MITRE ATT&CK T1496
-- attack: T1496
WITH calls AS (
  SELECT eventid, eventtime, account, eventname, errorcode,
         CASE WHEN eventsource <> 'rds.amazonaws.com' THEN eventsource
              WHEN lower(json_extract_scalar(requestparameters, '$.engine')) = 'neptune' THEN 'neptune (rds.amazonaws.com)'
              WHEN lower(json_extract_scalar(requestparameters, '$.engine')) = 'docdb' THEN 'documentdb (rds.amazonaws.com)'
         END AS service
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource IN ('sagemaker.amazonaws.com', 'redshift.amazonaws.com', 'redshift-serverless.amazonaws.com', 'elasticmapreduce.amazonaws.com',
                        'bedrock.amazonaws.com', 'es.amazonaws.com', 'kendra.amazonaws.com', 'neptune-graph.amazonaws.com',
                        'docdb-elastic.amazonaws.com', 'rds.amazonaws.com')
),
used AS (SELECT DISTINCT account, service FROM calls WHERE eventtime < $from AND service IS NOT NULL)
SELECT c.account, c.service AS eventsource, min(c.eventtime) AS first_call, array_sort(array_agg(DISTINCT c.eventname)) AS calls,
       array_sort(array_agg(c.eventid)) AS eventids
FROM calls c LEFT JOIN used u ON c.account = u.account AND c.service = u.service
WHERE c.eventtime >= $from AND u.account IS NULL AND c.service IS NOT NULL
  AND regexp_like(c.eventname, '^(Create|Start|Run|Provision|Put|Restore)')
  AND c.errorcode IS NULL
GROUP BY c.account, c.service
ORDER BY c.account, c.service
