-- title: System-level objects created or deleted
-- severity: info
-- description: Successful management calls that create, launch, import or restore resources, or
--   delete, terminate, release or deregister them (event names starting with Create, Run,
--   Launch, Allocate, Register, Import, Restore, Delete, Terminate, Release or Deregister), made by
--   people and their tools: calls by AWS services on their own behalf are left out. The record of
--   who brought each system object into being or removed it, and from where.
-- references: PCI DSS v4.0 10.2.1.7; SOC 2 CC8.1; MITRE ATT&CK T1578
-- attack: T1578
SELECT eventid, eventtime, eventsource, eventname,
       CASE WHEN regexp_like(eventname, '^(Delete|Terminate|Release|Deregister)') THEN 'removed' ELSE 'created' END AS change,
       user_display_name(useridentity) AS principal,
       coalesce(resources[1].arn, json_extract_scalar(requestparameters, '$.bucketName'), json_extract_scalar(requestparameters, '$.name'),
                json_extract_scalar(requestparameters, '$.userName'), json_extract_scalar(requestparameters, '$.roleName')) AS target,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND errorcode IS NULL
  AND coalesce(managementevent, true)
  AND coalesce(useridentity.type, '') <> 'AWSService'
  AND useridentity.invokedby IS NULL
  AND regexp_like(eventname, '^(Create|Run|Launch|Allocate|Register|Import|Restore|Delete|Terminate|Release|Deregister)')
ORDER BY eventtime, eventid
