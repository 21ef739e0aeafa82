"""A made-up but realistic trilingual school: names, classes and shanyraks for the demo."""

from __future__ import annotations

import random

from elections.files.roll import RollRow

SHANYRAKS = (
    "Алтай",
    "Арал",
    "Атырау",
    "Байқоңыр",
    "Жетісу",
    "Қаратау",
    "Көкшетау",
    "Мұғалжар",
    "Сарыарқа",
    "Ұлытау",
)
GIVEN_NAMES = {
    "f": (
        "Айару",
        "Аружан",
        "Томирис",
        "Дана",
        "Мадина",
        "Анастасия",
        "Камила",
        "Арина",
        "Жанель",
        "Виктория",
        "Инкар",
        "Амина",
        "Әйгерім",
        "Мария",
    ),
    "m": (
        "Әли",
        "Нұрсұлтан",
        "Ерасыл",
        "Алихан",
        "Санжар",
        "Максим",
        "Тимур",
        "Данияр",
        "Ислам",
        "Абылай",
        "Артём",
        "Бекзат",
        "Арман",
        "Дмитрий",
    ),
}
# Family names by gender: Russian-style endings agree, Korean and Kazakh patronymic forms differ.
FAMILY_NAMES = {
    "f": (
        "Ахметова",
        "Серікбаева",
        "Иванова",
        "Нұрланова",
        "Смагулова",
        "Ким",
        "Оспанова",
        "Петрова",
        "Тоқтарова",
        "Бекова",
        "Қасымова",
        "Ли",
        "Жұмабекқызы",
        "Әбдірахманқызы",
    ),
    "m": (
        "Ахметов",
        "Серікбаев",
        "Иванов",
        "Нұрланов",
        "Смагулов",
        "Ким",
        "Оспанов",
        "Петров",
        "Тоқтаров",
        "Беков",
        "Қасымов",
        "Ли",
        "Жұмабекұлы",
        "Әбдірахманұлы",
    ),
}
GRADES = (7, 8, 9, 10, 11)
CLASS_LETTERS = ("А", "Ә", "Б")
STUDENTS_PER_CLASS = 20


def demo_roll(rng: random.Random) -> list[RollRow]:
    """About 300 students in grades 7-11, three classes each, spread across the shanyraks."""
    rows = []
    number = 700_001
    for grade in GRADES:
        for letter in CLASS_LETTERS:
            for _ in range(STUDENTS_PER_CLASS):
                gender = rng.choice("fm")
                name = f"{rng.choice(FAMILY_NAMES[gender])} {rng.choice(GIVEN_NAMES[gender])}"
                rows.append(
                    RollRow(
                        line=len(rows) + 2,
                        student_number=str(number),
                        full_name=name,
                        grade=grade,
                        class_name=f"{grade}{letter}",
                        shanyrak=SHANYRAKS[(number * 7) % len(SHANYRAKS)],
                    )
                )
                number += 1
    return rows
