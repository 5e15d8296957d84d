-- title: Backups deleted
-- severity: high
-- description: Successful calls that destroy backups or what protects them: AWS Backup vaults,
--   recovery points, plans, selections, vault lock configurations and access policies deleted
--   and recovery point lifecycles shortened; RDS manual snapshots and retained automated backups
--   deleted; and EBS snapshots, which lifecycle tools delete all day, only when one principal
--   deletes at least `snapshot_threshold` within one hour (sliding). Deletions by AWS services
--   (AWS Backup's own retention, Data Lifecycle Manager: invokedBy set or a service as source)
--   are left out. One row per call, and one per principal for its busiest hour of snapshot
--   deletions.
-- references: MITRE ATT&CK T1490
-- attack: T1490
-- param: snapshot_threshold int 10 | EBS snapshots deleted by one principal within an hour that are reported
WITH deletions AS (
  SELECT eventid, eventtime, eventsource, eventname, account, region,
         user_display_name(useridentity) AS principal,
         coalesce(useridentity.arn, useridentity.principalid) AS principal_key,
         coalesce(json_extract_scalar(requestparameters, '$.recoveryPointArn'), json_extract_scalar(requestparameters, '$.backupVaultName'),
                  json_extract_scalar(requestparameters, '$.backupPlanId'), json_extract_scalar(requestparameters, '$.dBSnapshotIdentifier'),
                  json_extract_scalar(requestparameters, '$.dBClusterSnapshotIdentifier'), json_extract_scalar(requestparameters, '$.dbiResourceId'),
                  json_extract_scalar(requestparameters, '$.dbClusterResourceId'), json_extract_scalar(requestparameters, '$.snapshotId')) AS target
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND errorcode IS NULL
    AND coalesce(useridentity.type, '') <> 'AWSService'
    AND useridentity.invokedby IS NULL
    AND NOT regexp_like(coalesce(sourceipaddress, ''), '\.amazonaws\.com$')
    AND ((eventsource = 'backup.amazonaws.com'
          AND eventname IN ('DeleteBackupVault', 'DeleteRecoveryPoint', 'DeleteBackupPlan', 'DeleteBackupSelection',
                            'DeleteBackupVaultLockConfiguration', 'DeleteBackupVaultAccessPolicy', 'UpdateRecoveryPointLifecycle'))
      OR (eventsource = 'rds.amazonaws.com'
          AND eventname IN ('DeleteDBSnapshot', 'DeleteDBClusterSnapshot', 'DeleteDBInstanceAutomatedBackup', 'DeleteDBClusterAutomatedBackup'))
      OR (eventsource = 'ec2.amazonaws.com' AND eventname = 'DeleteSnapshot'))
),
snapshot_windows AS (
  SELECT principal_key, principal, account, region, eventtime AS window_end,
         count(*) OVER (PARTITION BY principal_key ORDER BY eventtime RANGE BETWEEN INTERVAL '1 hour' PRECEDING AND CURRENT ROW) AS deleted
  FROM deletions
  WHERE eventname = 'DeleteSnapshot' AND principal_key IS NOT NULL
),
snapshot_peaks AS (
  SELECT *, row_number() OVER (PARTITION BY principal_key ORDER BY deleted DESC, window_end) AS rn
  FROM snapshot_windows
  WHERE deleted >= $snapshot_threshold
),
findings AS (
  SELECT eventtime, principal, eventsource, eventname, target, 1 AS calls, account, region, make_array(eventid) AS eventids
  FROM deletions
  WHERE eventname <> 'DeleteSnapshot'
  UNION ALL
  SELECT p.window_end AS eventtime, p.principal, 'ec2.amazonaws.com' AS eventsource, 'DeleteSnapshot' AS eventname,
         NULL AS target, p.deleted AS calls, p.account, p.region,
         array_agg(d.eventid ORDER BY d.eventtime, d.eventid) AS eventids
  FROM snapshot_peaks p
  JOIN deletions d ON d.eventname = 'DeleteSnapshot' AND d.principal_key = p.principal_key
    AND d.eventtime >= p.window_end - INTERVAL '1 hour' AND d.eventtime <= p.window_end
  WHERE p.rn = 1
  GROUP BY p.window_end, p.principal, p.deleted, p.account, p.region
)
SELECT eventtime, principal, eventsource, eventname, target, calls, account, region, eventids
FROM findings
ORDER BY eventtime, principal, eventname
