package dev.hygiene.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Medians and spreads of samples; values are whatever unit the caller uses. */
final class Stats {

    final double[] sorted;

    Stats(List<Double> samples) {
        sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    Stats(double[] samples) {
        sorted = samples.clone();
        Arrays.sort(sorted);
    }

    int n() {
        return sorted.length;
    }

    /** The q-quantile, linear between the closest ranks. */
    double q(double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    double median() {
        return q(0.5);
    }

    double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    /** "median [p25..p75]" with the given format for each value. */
    String show(String fmt) {
        return f(fmt, median()) + " [" + f(fmt, q(0.25)) + ".." + f(fmt, q(0.75)) + "]";
    }

    static String f(String fmt, double v) {
        return String.format(Locale.ROOT, fmt, v);
    }
}
