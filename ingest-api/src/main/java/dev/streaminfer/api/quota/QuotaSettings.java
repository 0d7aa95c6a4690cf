package dev.streaminfer.api.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import java.util.Optional;

/**
 * What an administrator set for one user: a plan name and per-user overrides, where a null
 * override means "the plan's own limit" (never "no limit"; see {@link #effectivePlan}).
 */
public record QuotaSettings(String plan, Long tokensPerMinute, Long tokensPerDay) {

    /** The plan of the user's key, with no overrides. */
    public static QuotaSettings planOnly(String plan) {
        return new QuotaSettings(plan, null, null);
    }

    /** The limits that apply: the named built-in plan with the overrides set; empty for an unknown plan. */
    public Optional<QuotaPlan> effectivePlan() {
        return QuotaPlan.builtIn(plan).map(p -> p.withOverrides(tokensPerMinute, tokensPerDay));
    }
}
