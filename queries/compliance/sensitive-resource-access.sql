-- title: Access to named sensitive resources
-- severity: low
-- description: Every call (reads included) touching a resource whose name (in the first two
--   resources' ARNs, or in the request: bucketName, key, secretId, name, tableName, keyId) matches
--   the pattern: by default, names containing secret, prod, backup or pii. An ARN is matched on its
--   resource name, without its service and resource type: every Secrets Manager ARN says
--   `secretsmanager` and `secret:`, which says nothing of the secret.
-- references: SOC 2 CC6.1; ISO 27001 A.8.3; PCI DSS 10.2.1
-- attack: T1530
-- param: resource_pattern string (?i)(secret|prod|backup|pii) | regular expression on resource ARNs and names
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode,
       coalesce(resources[1].arn, json_extract_scalar(requestparameters, '$.bucketName'), json_extract_scalar(requestparameters, '$.secretId')) AS resource,
       account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND (regexp_like(coalesce(CASE WHEN arn_service(resources[1].arn) = 's3' THEN arn_resource(resources[1].arn)
                                ELSE regexp_replace(arn_resource(resources[1].arn), '^[A-Za-z0-9_-]+[:/]', '') END, ''), $resource_pattern)
    OR regexp_like(coalesce(CASE WHEN arn_service(resources[2].arn) = 's3' THEN arn_resource(resources[2].arn)
                                ELSE regexp_replace(arn_resource(resources[2].arn), '^[A-Za-z0-9_-]+[:/]', '') END, ''), $resource_pattern)
    OR regexp_like(concat_ws(' ', json_extract_scalar(requestparameters, '$.bucketName'), json_extract_scalar(requestparameters, '$.key'),
                             regexp_replace(json_extract_scalar(requestparameters, '$.secretId'), '^arn:[^:]*:[^:]*:[^:]*:[^:]*:[A-Za-z-]+[:/]', ''),
                             json_extract_scalar(requestparameters, '$.name'),
                             json_extract_scalar(requestparameters, '$.tableName'), json_extract_scalar(requestparameters, '$.keyId')), $resource_pattern))
ORDER BY eventtime, eventid
