-- title: RDS snapshot shared with another account or made public
-- severity: high
-- description: ModifyDBSnapshotAttribute and ModifyDBClusterSnapshotAttribute calls that
--   succeeded and add values to the `restore` attribute: account ids that may now restore the
--   database into their own account, or `all` (public). Values removed are left out.
-- references: MITRE ATT&CK T1537
-- attack: T1537
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.dBSnapshotIdentifier'), json_extract_scalar(requestparameters, '$.dBClusterSnapshotIdentifier')) AS snapshot,
       CASE WHEN regexp_like(json_extract(requestparameters, '$.valuesToAdd'), '"all"') THEN 'public' ELSE 'accounts' END AS exposure,
       json_extract(requestparameters, '$.valuesToAdd') AS added,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'rds.amazonaws.com' AND eventname IN ('ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute')
  AND errorcode IS NULL
  AND lower(json_extract_scalar(requestparameters, '$.attributeName')) = 'restore'
  AND regexp_like(coalesce(json_extract(requestparameters, '$.valuesToAdd'), ''), '"[^"]+"')
ORDER BY eventtime, eventid
