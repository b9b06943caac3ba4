package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The compact name set against a HashMap oracle, through growth, removal, tombstone reuse and compaction. */
class NameSetTest {

    @Test
    void behavesLikeAMapUnderRandomOperations() {
        Random random = new Random(42);
        NameSet set = new NameSet();
        Map<String, Integer> oracle = new HashMap<>();
        String[] alphabet = {"a", "b", "é", "ファ", "😀", " ", "x.txt"};
        for (int i = 0; i < 200_000; i++) {
            StringBuilder name = new StringBuilder();
            for (int k = random.nextInt(4); k >= 0; k--) {
                name.append(alphabet[random.nextInt(alphabet.length)]);
            }
            String n = name.toString();
            switch (random.nextInt(3)) {
                case 0: {
                    int flags = random.nextInt(2);
                    set.put(n, flags);
                    oracle.put(n, flags);
                    break;
                }
                case 1:
                    assertThat(set.remove(n)).isEqualTo(oracle.containsKey(n) ? oracle.remove(n) : -1);
                    break;
                default:
                    assertThat(set.get(n)).isEqualTo(oracle.getOrDefault(n, -1));
            }
            assertThat(set.size()).isEqualTo(oracle.size());
        }
        Map<String, Integer> visited = new HashMap<>();
        set.forEach((name, flags) -> visited.put(name, flags));
        assertThat(visited).isEqualTo(oracle);
        Map<String, Integer> dirs = new HashMap<>();
        set.forEach(1, (name, flags) -> dirs.put(name, flags));
        assertThat(dirs.keySet()).allMatch(n -> oracle.get(n) == 1).hasSize((int) oracle.values().stream().filter(f -> f == 1).count());
    }

    @Test
    void removesEveryNameWithAPrefix() {
        NameSet set = new NameSet();
        set.put(".vigil-sync-1", 0);
        set.put(".vigil-sync-2", 0);
        set.put(".vigil", 0);
        set.put("a", 1);
        assertThat(set.removeStartingWith(".vigil-sync-".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder(".vigil-sync-1", ".vigil-sync-2");
        assertThat(set.size()).isEqualTo(2);
        assertThat(set.get(".vigil")).isZero();
    }

    @Test
    void rawBytesAndStringsAddressTheSameEntry() {
        NameSet set = new NameSet();
        byte[] buf = "..naïve..".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        set.put(buf, 2, buf.length - 4, 1);
        assertThat(set.get("naïve")).isEqualTo(1);
        assertThat(set.remove("naïve")).isEqualTo(1);
        assertThat(set.size()).isZero();
    }
}
