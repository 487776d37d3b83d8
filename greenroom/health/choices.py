from django.db import models


class FindingKind(models.TextChoices):
    SEGMENT_CHURN = "segment_churn", "Churn in a segment"
    FEATURE_ADOPTION = "feature_adoption", "Feature adoption falling"
    COST_VS_REVENUE = "cost_vs_revenue", "Cost growing faster than revenue"
    ACCOUNT_USAGE = "account_usage", "Usage drop at a large account"


class AuditAction(models.TextChoices):
    FINDING_FOLLOW = "finding.follow", "Notable change followed"
    FINDING_UNFOLLOW = "finding.unfollow", "Notable change unfollowed"
    FINDING_DISMISS = "finding.dismiss", "Notable change dismissed"
    FINDING_RESTORE = "finding.restore", "Notable change restored"
