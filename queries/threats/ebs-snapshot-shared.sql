-- title: EBS snapshot shared with another account or made public
-- severity: high
-- description: ModifySnapshotAttribute calls that succeeded and add a createVolumePermission for
--   an account id (another account can then copy the disk and read it at leisure) or for the
--   group `all` (anyone can). Permissions removed are left out. The added items are shown.
-- references: MITRE ATT&CK T1537
-- attack: T1537
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.snapshotId') AS snapshot_id,
       CASE WHEN regexp_like(json_extract(requestparameters, '$.createVolumePermission.add'), '"group"\s*:\s*"all"') THEN 'public' ELSE 'accounts' END AS exposure,
       json_extract(requestparameters, '$.createVolumePermission.add.items') AS added,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'ModifySnapshotAttribute'
  AND errorcode IS NULL
  AND regexp_like(coalesce(json_extract(requestparameters, '$.createVolumePermission.add'), ''), '"(userId|group)"\s*:\s*"[^"]+"')
ORDER BY eventtime, eventid
