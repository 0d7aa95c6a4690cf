package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;

/**
 * The plan an administrator gave one user, and the {@code updated_at} of the update that set it
 * (epoch ms, 0 when no update carried one). Kept in keyed state without expiry: it is bounded by
 * admin actions, not by traffic, and an idle user must not fall back to the default plan.
 */
public record PlanAssignment(QuotaPlan plan, long updatedAt) {}
