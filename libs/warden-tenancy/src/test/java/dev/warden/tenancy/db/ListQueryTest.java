package dev.warden.tenancy.db;

import dev.warden.api.PageRequest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ListQueryTest {

    @Test
    void placeholdersAreNumberedInOrder() {
        assertEquals("SELECT a FROM t WHERE x = $1 AND (c, id) > ($2, $3) LIMIT $4",
                ListQuery.numbered("SELECT a FROM t WHERE x = ? AND (c, id) > (?, ?) LIMIT ?"));
    }

    @Test
    void aPageBeyondTheBoundReportsTheBoundAsALowerBound() {
        var page = new ListQuery.Page<>(java.util.List.of("a"), ListQuery.TOTAL_BOUND, false, false);
        assertEquals(ListQuery.TOTAL_BOUND, page.total());
        assertEquals(false, page.totalExact());
    }

    @Test
    void onlyAPageWithARowPastItHasANextCursor() {
        java.util.UUID id = java.util.UUID.randomUUID();
        var exactlyFull = ListQuery.Page.of(ListQuery.Slice.of(java.util.List.of(id, id), 2), 2, true);
        assertEquals(java.util.List.of(id, id), exactlyFull.items());
        assertNull(exactlyFull.nextCursor(x -> new PageRequest.Cursor(2, x)), "the last page, though full, offers none");

        var more = ListQuery.Page.of(ListQuery.Slice.of(java.util.List.of(id, id, id), 2), 3, true);
        assertEquals(2, more.items().size(), "the row past the page is not answered");
        assertEquals(new PageRequest.Cursor(2, id).encode(), more.nextCursor(x -> new PageRequest.Cursor(2, x)));
    }
}
