-- title: AMI shared with another account or made public
-- severity: high
-- description: ModifyImageAttribute calls that succeeded and add a launchPermission for an
--   account id or for the group `all`: the image, with whatever was baked into it (code,
--   configuration, keys, data), can then be launched and read outside the account. Sharing with
--   the account's organization or organizational units, and permissions removed, are left out.
-- references: MITRE ATT&CK T1537
-- attack: T1537
SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
       json_extract_scalar(requestparameters, '$.imageId') AS image_id,
       CASE WHEN regexp_like(json_extract(requestparameters, '$.launchPermission.add'), '"group"\s*:\s*"all"') THEN 'public' ELSE 'accounts' END AS exposure,
       json_extract(requestparameters, '$.launchPermission.add.items') AS added,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com' AND eventname = 'ModifyImageAttribute'
  AND errorcode IS NULL
  AND regexp_like(coalesce(json_extract(requestparameters, '$.launchPermission.add'), ''), '"(userId|group)"\s*:\s*"[^"]+"')
ORDER BY eventtime, eventid
