package dev.warden.tenancy.db;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ListQueryTest {

    @Test
    void placeholdersAreNumberedInOrder() {
        assertEquals("SELECT a FROM t WHERE x = $1 AND (c, id) > ($2, $3) LIMIT $4",
                ListQuery.numbered("SELECT a FROM t WHERE x = ? AND (c, id) > (?, ?) LIMIT ?"));
    }

    @Test
    void aPageBeyondTheBoundReportsTheBoundAsALowerBound() {
        var page = new ListQuery.Page<>(java.util.List.of("a"), ListQuery.TOTAL_BOUND, false);
        assertEquals(ListQuery.TOTAL_BOUND, page.total());
        assertEquals(false, page.totalExact());
    }
}
